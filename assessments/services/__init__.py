"""Running assessments and cost estimates for projects, one or many at a time, and recording
gate evidence: a thin layer that loads data set-based (a fixed number of queries per batch,
whatever its size), calls the pure engines (``assessments.costs``, ``assessments.readiness``) and
stores their results with the inputs they saw.

Idempotent: a result is stored only when its inputs differ from the project's latest one, so
running the same work twice leaves the same state.

- ``loading``: the projects an evaluation reads, and the lock that serialises evaluations;
- ``results``: how results are stored (documents, digests, standings);
- ``estimates``: cost estimates and the cost profile they are computed from;
- ``assessments``: readiness assessments;
- ``evaluation``: both, in order, and readiness evaluated now without storing;
- ``gates``: stage-gate evidence, and the readiness gate approval requests ask.
"""
