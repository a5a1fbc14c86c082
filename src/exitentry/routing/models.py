"""Routing keeps no tables of its own: the simulator reads scenario files, and live recommendations
read halls, queues and appointments from their own apps."""
