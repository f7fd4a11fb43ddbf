from core.plugins import PeriodicTask

periodic_tasks = [PeriodicTask(name="count-things", task="dummy.count_things", schedule=3600)]
