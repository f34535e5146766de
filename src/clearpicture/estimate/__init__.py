"""Multiple systems estimation (issue 7): placeholder replaced below."""
