"""The native API v1 (django-ninja), mounted at /api/v1/; see docs/api.md."""
