"""The cost view: the cost model (``model``: dedicated GPUs against a per-token API, the
crossover, a rollout's extra cost — pure arithmetic), resolving its inputs (``usage``: given >
measured > configured) and its wording for the CLI and the cost screen (``wording``).

Headless: imports the domain model, configuration and units; never Textual, the UI or the CLI.
The measured inputs come from ``console.sources.cost_inputs``, which imports this package."""

from console.cost.model import (
    HOUR_S,
    MTOK,
    WEEK_S,
    CostInputs,
    CostReport,
    Figure,
    RolloutCost,
    api_cost,
    burn_rate,
    compute,
    cumulative_costs,
    dedicated_cost,
    plan_rollout_cost,
)

__all__ = [
    "HOUR_S",
    "MTOK",
    "WEEK_S",
    "CostInputs",
    "CostReport",
    "Figure",
    "RolloutCost",
    "api_cost",
    "burn_rate",
    "compute",
    "cumulative_costs",
    "dedicated_cost",
    "plan_rollout_cost",
]
