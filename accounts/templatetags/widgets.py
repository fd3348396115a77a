"""Form widgets' markup in Python, for the project's copies of Django's widget templates
(templates/django/forms/widgets/): the same HTML as Django's own templates, without a template
rendered per option and per attribute list. Django's template per option made a select of countries
or currencies the costliest part of a page; tests/test_widget_templates.py holds the output equal
to Django's."""

from html import escape

from django import template
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString, mark_safe

register = template.Library()


def _escaped(value) -> str:
    """`{{ value }}`: Django's conditional_escape (a safe string as it is), without its lazy wrapper."""
    if isinstance(value, Promise):
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def _text(value) -> str:
    """`{{ value|stringformat:"s" }}`: the value as text, escaped unless it was a safe string."""
    text = "%s" % (value,)  # noqa: UP031 - stringformat's own formatting
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """Django's attrs.html: ` name="value"` per attribute, ` name` for True, nothing for False."""
    return "".join(
        f" {_escaped(name)}" if value is True else f' {_escaped(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.simple_tag
def widget_attrs(attrs: dict) -> SafeString:
    return mark_safe(_attrs(attrs))  # noqa: S308 - every name and value escaped above


@register.simple_tag
def select_options(optgroups) -> SafeString:
    """The options of Django's select.html, each as its select_option.html writes it."""
    parts = []
    for group_name, options, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escaped(group_name)}">')
        parts.extend(
            f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_escaped(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above
