from core.plugins import MenuItem

menu_items = [MenuItem("Dummy things", "things", "dummy.view_things", icon="box", weight=500)]
