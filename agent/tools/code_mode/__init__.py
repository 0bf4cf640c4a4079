"""Code-mode Hub query (seed 002): a model-written async script runs in Monty and awaits ``hf_*`` helpers.

Modules: ``contracts`` (fields, limits, sort/expand values), ``filtering`` (fields/where), ``rows``
(payload normalizers), ``runtime`` (budget, budgeted Hub requests, envelopes), ``helpers_*`` (the
helpers), ``registry`` (specs, call wrapper), ``describe`` (the generated tool description),
``sandbox`` (AST gate + Monty runner), ``tool`` (the ``hub_query`` tool).
"""

from agent.tools.code_mode.sandbox import MontyRunner
from agent.tools.code_mode.tool import HubQuery

__all__ = ["HubQuery", "MontyRunner"]
