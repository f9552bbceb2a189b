"""The review lifecycle: draft -> in-review -> published (or wont_publish with a reason).

``policy`` reads ``review:`` of pmsite.yaml, ``changes`` finds what a pull request
changed and who wrote it (pygit2), ``gate`` holds the checks each status needs,
``deadlines`` says which postmortems are late to publish. ``pmsite review`` and the
site wire them together; none of them prints.
"""
