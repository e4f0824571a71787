"""The tenant as it really is: an app's snapshot read with Graph delta queries, matched to
directory users, on a schedule of cycles (issue 12)."""
