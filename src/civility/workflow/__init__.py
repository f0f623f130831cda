"""The comment workflow: submit, decide, review, publish. Uses storage and jobs through small interfaces."""
