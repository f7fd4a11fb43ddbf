"""Work that runs in the worker for one tenant and reports its progress: today, large spreadsheet imports."""
