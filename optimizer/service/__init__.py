"""srsopt as a service: a REST API over a persistent job store, solves run on Dask.

``srsopt serve`` (``optimizer.cli.serve``) starts ``app.create_app`` on uvicorn. The database
(``db``, ``store``, ``tokens``) is the record of every job; inputs are kept content-addressed on
disk (``inputs``); ``execution`` claims queued jobs and runs each as a one-task batch on the
Dask layer (``optimizer.distributed``), never in the web process; ``work`` is what a worker
runs. ``client.Client`` is the Python client. docs/service.md is the user's guide.

| module | what |
|---|---|
| ``db`` | the tables (SQLAlchemy 2 Core), the engine for a URL, the schema made at start |
| ``tokens`` | bearer tokens: created once, stored salted and hashed, revoked |
| ``store`` | job rows: create, claim atomically, progress, finish, cancel, recover |
| ``inputs`` | uploads: size limit, safe zip extraction, content-addressed files, loading |
| ``jobs`` | what a job is made of before it runs: the instance, the options, the payload |
| ``work`` | the task a Dask worker runs: one job, with its progress and its cancel |
| ``execution`` | the dispatcher: claims, submits, watches, writes results whole |
| ``app`` + ``routes`` + ``auth`` + ``schemas`` + ``events`` | the FastAPI app |
| ``client`` | ``Client(url, token).solve(path)`` on httpx |
"""
