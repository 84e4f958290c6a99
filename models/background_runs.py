"""Where a long operation of the planning wizards runs: as a background run
(accountancy.job.run) when it is on more clients than the job threshold,
else at once, unless such a run is still running."""


def start_background_run(env, operation, year, partners):
    """Start ``operation`` of ``year`` on ``partners`` as a background run and
    return the action that tells so, when they are more than the threshold.
    Otherwise return None, for the caller to do the operation at once; refused
    while a run of the same operation and year is running."""
    Run = env["accountancy.job.run"]
    if Run._accountancy_use_jobs(partners):
        run = Run._accountancy_start(operation, year, partners)
        return run._accountancy_action_started()
    running = Run._accountancy_running(operation, year)
    if running:
        raise running._accountancy_refuse_running()
    return None
