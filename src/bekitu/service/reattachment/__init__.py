"""Re-attachment in bulk: when a provider closes or a district's addresses are redrawn, the
regional administrator plans where the people attached there go (by their address, to the
districts serving it), confirms the plan, and the background worker carries it out in
batches that each commit whole, with a checkpoint, so a stopped run resumes where it stopped.

- `rules`: the proposal of a district for each person (no database);
- `models`: the plan (`Reattachment`, a job row with progress) and its rows, one per person;
- `plan`: making, adjusting by hand and confirming a plan; the figures the pages show;
- `run`: the execution, batch by batch; `notices`: telling each person afterwards.
"""
