"""The alert thresholds page (pages/alert_settings.py): readers, the preview and the write."""
