"""Render the checked-in copies of the topology (launch/topology.py): ``components/`` and the
chart's ``templates/_topology.tpl``. ``python -m devtools.topology [--check]``."""
