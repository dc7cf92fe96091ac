"""Sub-commands of ``inference-console``: each module registers its own parser."""
