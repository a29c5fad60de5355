"""The chat: one router per feature module; the tree of them is `handlers.routers.get_routers`.

Nothing is imported here, so a command-line tool that needs one helper (e.g. `handlers.clock`) does not
load aiogram and every router with it."""
