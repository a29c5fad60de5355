"""The domain, pure: campaign model and validation, assignment rules, the engine, who may see what
(disclosure), whether a result is provisional, imports' plans, adjustment rules. No I/O, nothing of ours."""
