"""scikit-learn's own test files run against fastoptim's estimators (tests/test_sklearn_suite.py).

- ``swap_plugin.py``: the pytest plugin that puts fastoptim's classes under scikit-learn's
  names in a pytest process of its own and records each test's outcome;
- ``runner.py``: runs one installed scikit-learn test file with it, reads the expected
  failures, compares;
- ``expected_failures.txt``: the failures expected, one ``category | pattern | note`` a line;
- ``slow.txt``: tests left out unless FASTOPTIM_SKLEARN_FULL=1;
- ``regen.py``: reruns the files and rewrites the two lists.
"""
