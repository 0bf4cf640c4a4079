"""datasets-server (dataset viewer API) subset: /is-valid, /splits, /info, /first-rows, /rows, /size."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .errors import datasets_server_error
from .hub_faults import faulty
from .viewer_catalog import ViewerConfig, ViewerDataset

MAX_ROWS = 100


def _missing(name: str) -> Response:
    return datasets_server_error(422, f"Parameter '{name}' is required", "MissingRequiredParameter")


def _features_list(config: ViewerConfig) -> list[dict[str, Any]]:
    return [{"feature_idx": i, "name": name, "type": type_} for i, (name, type_) in enumerate(config.features.items())]


def _rows(config: ViewerConfig, split: str, offset: int, length: int) -> list[dict[str, Any]]:
    total = config.split(split).num_rows
    return [
        {"row_idx": i, "row": config.make_row(split, i), "truncated_cells": []}
        for i in range(offset, min(offset + length, total))
    ]


def _dataset_info(dataset: ViewerDataset, config: ViewerConfig) -> dict[str, Any]:
    short = dataset.id.split("/")[-1]
    return {
        "description": dataset.description,
        "citation": "",
        "homepage": "",
        "license": dataset.license,
        "features": config.features,
        "builder_name": "parquet",
        "dataset_name": short,
        "config_name": config.name,
        "version": {"version_str": "0.0.0", "major": 0, "minor": 0, "patch": 0},
        "splits": {
            s.name: {"name": s.name, "num_bytes": s.num_bytes, "num_examples": s.num_rows, "dataset_name": short}
            for s in config.splits
        },
        "download_size": sum(s.parquet_bytes for s in config.splits),
        "dataset_size": sum(s.num_bytes for s in config.splits),
    }


class _Lookup:
    """Resolve dataset/config/split query parameters, producing the datasets-server errors."""

    def __init__(self, state: Any, viewer: Any, request: Request):
        self.state, self.viewer, self.params = state, viewer, request.query_params

    def dataset(self) -> ViewerDataset | Response:
        name = self.params.get("dataset")
        if not name:
            return _missing("dataset")
        name = self.state.catalog.aliases["datasets"].get(name, name)
        dataset = self.viewer.datasets.get(name)
        if dataset is None:
            return datasets_server_error(404, "The dataset does not exist.", "DatasetNotFoundError")
        return dataset

    def config(self, dataset: ViewerDataset, required: bool = True) -> ViewerConfig | None | Response:
        name = self.params.get("config")
        if not name:
            return _missing("config") if required else None
        config = dataset.config(name)
        if config is None:
            return datasets_server_error(404, "The config does not exist.", "ConfigNotFoundError")
        return config

    def split(self, config: ViewerConfig) -> str | Response:
        name = self.params.get("split")
        if not name:
            return _missing("split")
        if config.split(name) is None:
            return datasets_server_error(404, "The split does not exist.", "SplitNotFoundError")
        return name

    def split_of_config(self) -> tuple[ViewerDataset, ViewerConfig, str] | Response:
        """dataset, config and split, all required (``/first-rows``, ``/rows``), or the first error."""
        dataset = self.dataset()
        if isinstance(dataset, Response):
            return dataset
        config = self.config(dataset)
        if isinstance(config, Response):
            return config
        split = self.split(config)
        return split if isinstance(split, Response) else (dataset, config, split)


def routes(state: Any) -> list[BaseRoute]:
    viewer = state.viewer

    async def is_valid(request: Request) -> Response:
        dataset = _Lookup(state, viewer, request).dataset()
        if isinstance(dataset, Response):
            return dataset
        return JSONResponse({"preview": True, "viewer": True, "search": True, "filter": True, "statistics": True})

    async def splits(request: Request) -> Response:
        lookup = _Lookup(state, viewer, request)
        dataset = lookup.dataset()
        if isinstance(dataset, Response):
            return dataset
        config = lookup.config(dataset, required=False)
        if isinstance(config, Response):
            return config
        configs = [config] if config else dataset.configs
        items = [{"dataset": dataset.id, "config": c.name, "split": s.name} for c in configs for s in c.splits]
        return JSONResponse({"splits": items, "pending": [], "failed": []})

    async def info(request: Request) -> Response:
        lookup = _Lookup(state, viewer, request)
        dataset = lookup.dataset()
        if isinstance(dataset, Response):
            return dataset
        config = lookup.config(dataset, required=False)
        if isinstance(config, Response):
            return config
        if config is not None:
            return JSONResponse({"dataset_info": _dataset_info(dataset, config), "partial": False})
        return JSONResponse({
            "dataset_info": {c.name: _dataset_info(dataset, c) for c in dataset.configs},
            "pending": [], "failed": [], "partial": False,
        })

    async def first_rows(request: Request) -> Response:
        found = _Lookup(state, viewer, request).split_of_config()
        if isinstance(found, Response):
            return found
        dataset, config, split = found
        return JSONResponse({
            "dataset": dataset.id, "config": config.name, "split": split,
            "features": _features_list(config), "rows": _rows(config, split, 0, MAX_ROWS), "truncated": False,
        })

    async def rows(request: Request) -> Response:
        found = _Lookup(state, viewer, request).split_of_config()
        if isinstance(found, Response):
            return found
        dataset, config, split = found
        try:
            offset = int(request.query_params.get("offset", "0"))
            length = int(request.query_params.get("length", str(MAX_ROWS)))
        except ValueError:
            return datasets_server_error(422, "Parameters 'offset' and 'length' must be integers", "InvalidParameter")
        if offset < 0:
            return datasets_server_error(422, "Parameter 'offset' must be positive", "InvalidParameter")
        if length < 0 or length > MAX_ROWS:
            return datasets_server_error(422, f"Parameter 'length' must be between 0 and {MAX_ROWS}", "InvalidParameter")
        return JSONResponse({
            "features": _features_list(config),
            "rows": _rows(config, split, offset, length),
            "num_rows_total": config.split(split).num_rows,
            "num_rows_per_page": MAX_ROWS,
            "partial": False,
        })

    async def size(request: Request) -> Response:
        lookup = _Lookup(state, viewer, request)
        dataset = lookup.dataset()
        if isinstance(dataset, Response):
            return dataset
        config = lookup.config(dataset, required=False)
        if isinstance(config, Response):
            return config
        configs = [config] if config else dataset.configs
        split_items = [
            {"dataset": dataset.id, "config": c.name, "split": s.name, "num_bytes_parquet_files": s.parquet_bytes,
             "num_bytes_memory": s.num_bytes, "num_rows": s.num_rows, "num_columns": len(c.features)}
            for c in configs for s in c.splits
        ]
        config_items = [
            {"dataset": dataset.id, "config": c.name,
             "num_bytes_original_files": sum(s.parquet_bytes for s in c.splits),
             "num_bytes_parquet_files": sum(s.parquet_bytes for s in c.splits),
             "num_bytes_memory": sum(s.num_bytes for s in c.splits),
             "num_rows": sum(s.num_rows for s in c.splits), "num_columns": len(c.features)}
            for c in configs
        ]
        totals = {k: sum(c[k] for c in config_items)
                  for k in ("num_bytes_original_files", "num_bytes_parquet_files", "num_bytes_memory", "num_rows")}
        size_body: dict[str, Any] = {"splits": split_items}
        if config is not None:
            size_body["config"] = config_items[0]
        else:
            size_body = {"dataset": {"dataset": dataset.id, **totals}, "configs": config_items, "splits": split_items}
        return JSONResponse({"size": size_body, "pending": [], "failed": [], "partial": False})

    endpoints = {"/is-valid": is_valid, "/splits": splits, "/info": info, "/first-rows": first_rows, "/rows": rows,
                 "/size": size}
    return [Route(path, faulty(state.hub_faults, "datasets-server", handler), methods=["GET"])
            for path, handler in endpoints.items()]
