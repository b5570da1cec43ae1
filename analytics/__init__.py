"""Learning analytics over stored xAPI statements: pure functions, no database or HTTP.

From statements to insights:

    events_from_statement (events)  ->  infer_calendars (courses)  ->  compute_features / FeatureState
    generate_labels (targets)  ->  build_dataset at a cut point (dataset, splitting)
    train_cut_point (training: predictors, evaluation, quality gate)
    score_course -> Insight (insights: explain, interventions, engagement) -> insight_statement
    detectors: rule-based alerts that need no model; profile: the insight vocabulary as an xAPI Profile

`simulator` / `simulate_cli` generate plausible course offerings as xAPI statements.
"""
