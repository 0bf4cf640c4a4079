"""HF Jobs: launching (``launch``), hardware prices, log streaming, monitoring, scheduled jobs and trackio dashboards."""
