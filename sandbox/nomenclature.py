"""URSSAF's codes and labels as the sandbox serves them (shared/urssaf/API.md §4 and §8).

The sandbox plays URSSAF, so it does not import the portal's reading of it
(urssaf/nomenclature.py). Both take URSSAF's published list from reference/: the codes and
labels are written once, and tests/sandbox/test_nomenclature.py checks them against the file.
"""

# The payment statuses, link-status labels and rejection reasons, as URSSAF publishes them.
from reference.urssaf_nomenclature import *  # noqa: F403
