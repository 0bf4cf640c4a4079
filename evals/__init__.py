"""Evaluating the agent itself: ML tasks as versioned data, run against any deployment of the ML Intern API as
an ordinary client, scored by automatic checks (and optionally an LLM judge), reported per run and compared
across runs and models. See docs/evals.md."""

SUITE_NAME = "ml-intern-evals"
