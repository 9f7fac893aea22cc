"""Commands the bridge adds to ``iea`` (entry-point group ``iea.commands``)."""
