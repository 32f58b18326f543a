"""Staff views of researchers' saved searches, collections and the alert digests sent (read-mostly).

Accounts themselves are created under 用户 (Django's user admin); feed tokens are never shown here.
"""

from django.contrib import admin

from accounts.models import AlertDigest, Collection, CollectionItem, SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "alerts_enabled", "created_at", "last_opened_at")
    list_filter = ("alerts_enabled",)
    search_fields = ("name", "query", "user__username")
    exclude = ("feed_token",)
    readonly_fields = ("user", "query", "created_at", "last_opened_at", "alerts_since")


@admin.register(AlertDigest)
class AlertDigestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "status", "plan_count", "error")
    list_filter = ("status",)
    search_fields = ("user__username", "error")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ("position", "plan", "note", "added_at")
    readonly_fields = ("plan", "added_at")
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "updated_at")
    search_fields = ("name", "user__username")
    readonly_fields = ("user",)
    inlines = [CollectionItemInline]
