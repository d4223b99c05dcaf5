"""The web page ``serve`` offers at ``/ui/``: a lint playground, workflows drawn as graphs, and live runs."""
