"""Admin registration (curation and upload are built by the admin-upload issue)."""

from django.contrib import admin

from plans.models import Plan, Region, Section, Theme

admin.site.register(Region)
admin.site.register(Theme)
admin.site.register(Plan)
admin.site.register(Section)
