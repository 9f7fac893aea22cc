"""Commands training adds to ``iea`` (entry-point group ``iea.commands``)."""
