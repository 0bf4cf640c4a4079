"""The models a deployment accepts, as its catalog (``GET /api/config/model``) and as ``GET /v1/models``."""

from __future__ import annotations

from typing import Any

from agent.errors import NotFound
from agent.models import ConfiguredModel, ModelCatalog, ModelInfo, ModelList
from agent.settings import Settings


def model_config(settings: Settings) -> dict[str, Any]:
    return ModelCatalog(default=settings.default_model,
                        data=[ConfiguredModel(id=m, default=m == settings.default_model)
                              for m in settings.supported_models]).model_dump()


def model_list(settings: Settings) -> ModelList:
    """The models a request may name (``GET /v1/models``)."""
    return ModelList(data=[_model_info(model) for model in settings.supported_models])


def model_info(settings: Settings, model_id: str) -> ModelInfo:
    if model_id not in settings.supported_models:
        raise NotFound(f"No model '{model_id}'. Supported: {', '.join(settings.supported_models)}.",
                       code="model_not_found", param="model")
    return _model_info(model_id)


def _model_info(model_id: str) -> ModelInfo:
    namespace, slash, _ = model_id.partition("/")
    return ModelInfo(id=model_id, owned_by=namespace if slash else "huggingface")
