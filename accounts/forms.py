"""Forms of the accounts pages (validation only; the writes are in accounts.services)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import NAME_MAX_LENGTH, NOTE_MAX_LENGTH


class NameForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=NAME_MAX_LENGTH, required=False)


class SaveSearchForm(NameForm):
    query = forms.CharField(max_length=20_000, required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("笔记"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea)


class AddToCollectionForm(NoteForm):
    """Add a plan to one of the user's collections, or to a new one named `new_name`."""

    plan = forms.IntegerField(widget=forms.HiddenInput)
    collection = forms.CharField(label=_("收藏夹"), required=False)  # a collection id, or "" for a new one
    new_name = forms.CharField(label=_("新收藏夹名称"), max_length=NAME_MAX_LENGTH, required=False)


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("电子邮箱"), help_text=_("用于接收检索提醒和找回密码。"))

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
