from django.apps import AppConfig


class SearchuiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "searchui"
    verbose_name = "检索界面"
