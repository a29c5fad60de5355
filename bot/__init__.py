"""kaoping's composition root: settings, the CLI, the app wiring, the scheduler, the demo."""
