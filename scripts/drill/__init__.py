"""`make drill`: a bounded fault drill on PostgreSQL. Run `python -m scripts.drill --help`.

The rooms:

- `__main__`: the entry point; the time limit, the clean-up on every way out, the printout.
- `options`: the command line, as frozen `Options`; the faults and their order.
- `run`: one drill: cluster, set-up, processes, load and faults, the drain, what was seen.
- `cluster`: the drill's own PostgreSQL cluster (initdb, start, stop, remove).
- `faults`: the five injectors and the schedule that runs them under load.
- `journeys`: the steady sign → confirm load, every request's outcome kept.
- `sink`: the bench's SMTP sink, able to refuse recipients and to go away.
- `observe`: reading the database (outbox columns only if present), processes and sink.
- `checks`: the figures of each fault and the checks that decide the exit status (pure).
- `report`: the table and the verdict (pure).

It reuses the bench's pieces (scripts/bench): processes, the SMTP sink, the signers'
identities, the database set-up, the server command and environment.
"""
