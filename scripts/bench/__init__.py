"""`make bench`: the performance harness. Run `python -m scripts.bench --help`.

The rooms:

- `__main__`: the entry point; sequences options, the run and the report.
- `options`: the command line, as frozen `Options`; where the project is; the commit label.
- `run`: one backend's run: database, servers, the journey burst, the drain, the floor.
- `load`: the journeys (sign → confirm, as a browser) and the aiohttp reader.
- `reads`: the read phases, by wrk or aiohttp, with their CPU account.
- `checks`: exactness after the drain, which decides the exit status.
- `cpu`: CPU accounting per party, and how busy the machine was before.
- `results`: the typed result of one backend's run.
- `report`: the table, the JSON document and the printed lines.
- `database`: create, query and drop the throwaway database.
- `setup_db`: run in a child process: migrations, petitions and the history.
- `floor`: the database floor, the journey's writes straight to PostgreSQL.
- `wrk`, `stats`, `procs`, `smtp_sink`, `identities`: wrk and its report, latency
  percentiles, the processes started, the SMTP sink, the signers' identities.
- `profile_summary`: summarises py-spy profiles taken with `--profile`.
"""
