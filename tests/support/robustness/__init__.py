"""What the robustness tests (tests/robustness/) share: the app driven synchronously and its
data (harness), the REST calls and their parameters (catalog), the schemathesis runs (fuzz)."""
