from django.urls import path  # noqa: F401 - each area adds its routes below

from reporting.views import records, sharing

app_name = "reporting"

urlpatterns: list = []

# Reading records and sharing (issue #3)
urlpatterns += [
    path("", records.IncidentListView.as_view(), name="incident-list"),
    path("export.<str:fmt>", records.IncidentListExportView.as_view(), name="incident-export"),
    path("<int:pk>/", records.IncidentDetailView.as_view(), name="incident-detail"),
    path("standing/", sharing.StandingView.as_view(), name="standing-detail"),
    path("sharing/", sharing.SharingMatrixView.as_view(), name="sharing-matrix"),
    path("access-log/", sharing.AccessLogView.as_view(), name="accessevent-list"),
    path("exclusions/", sharing.ExclusionListView.as_view(), name="exclusion-list"),
]

# The secretariat's console (issue #8)
from reporting.console import views as console  # noqa: E402 - each area's block imports its own views

urlpatterns += [
    path("console/", console.ConsoleHomeView.as_view(), name="console-home"),
    path("console/participants/", console.ParticipantListView.as_view(), name="console-participants"),
    path("console/participants/<int:pk>/", console.ParticipantDetailView.as_view(), name="console-participant"),
    path(
        "console/participants/<int:pk>/step/<slug:step>/",
        console.ParticipantStepView.as_view(),
        name="console-participant-step",
    ),
    path("console/participants/<int:pk>/terms/", console.TermsAcceptView.as_view(), name="console-terms-accept"),
    path("console/terms/", console.TermsView.as_view(), name="console-terms"),
    path("console/policy/", console.PolicyView.as_view(), name="console-policy"),
    path("console/coverage/", console.CoverageView.as_view(), name="console-coverage"),
    path("console/code-lists/<slug:kind>/", console.CodeListView.as_view(), name="console-codelist"),
    path("console/code-lists/<slug:kind>/<int:pk>/", console.CodeListView.as_view(), name="console-codelist-edit"),
    path("console/audit/", console.AuditView.as_view(), name="console-audit"),
    path("console/reminders/", console.RemindersView.as_view(), name="console-reminders"),
]

# Data entry, the record workflow and monthly returns (issue #4)
from reporting.views import entry, returns  # noqa: E402 - grouped with the routes it serves

urlpatterns += [
    path("new/", entry.IncidentFormView.as_view(), name="incident-create"),
    path("<int:pk>/edit/", entry.IncidentFormView.as_view(), name="incident-update"),
    path("<int:pk>/submit/", entry.IncidentActionView.as_view(action="submit"), name="incident-submit"),
    path("<int:pk>/validate/", entry.IncidentActionView.as_view(action="validate"), name="incident-validate"),
    path("<int:pk>/return/", entry.IncidentActionView.as_view(action="return"), name="incident-return"),
    path(  # GET asks first (a summary and the reason), POST withdraws
        "<int:pk>/withdraw/",
        entry.IncidentActionView.as_view(action="withdraw", http_method_names=["get", "post"]),
        name="incident-withdraw",
    ),
    path("<int:pk>/override/", entry.IncidentActionView.as_view(action="override"), name="incident-override"),
    path("<int:pk>/sharing/", entry.IncidentActionView.as_view(action="sharing"), name="incident-sharing"),
    path("<int:pk>/redact/", entry.IncidentActionView.as_view(action="redact"), name="incident-redact"),
    path("glossary/", entry.GlossaryView.as_view(), name="glossary"),
    path("returns/", returns.ReturnListView.as_view(), name="return-list"),
    path("returns/<int:pk>/submit/", returns.ReturnSubmitView.as_view(), name="return-submit"),
    path("returns/nil/", returns.ReturnNilView.as_view(), name="return-nil"),
    path("returns/<int:pk>/reopen/", returns.ReturnReopenView.as_view(), name="return-reopen"),
]

# Bulk import from national systems (issue 5)
from reporting.views import imports  # noqa: E402 - grouped with the routes it serves

urlpatterns += [
    path("imports/", imports.ImportListView.as_view(), name="import-list"),
    path("imports/template/", imports.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/columns/", imports.ImportColumnsView.as_view(), name="import-columns"),
    path("imports/<int:pk>/codes/", imports.ImportCodesView.as_view(), name="import-codes"),
    path("imports/<int:pk>/check/", imports.ImportActionView.as_view(action="check"), name="import-check"),
    path("imports/<int:pk>/import/", imports.ImportActionView.as_view(action="import"), name="import-commit"),
    path("imports/<int:pk>/cancel/", imports.ImportActionView.as_view(action="cancel"), name="import-cancel"),
    path("imports/<int:pk>/progress/", imports.ImportProgressView.as_view(), name="import-progress"),
    path("imports/<int:pk>/report.<str:fmt>", imports.ImportReportView.as_view(), name="import-report"),
]

# Linked incidents across participants (issue 22, part 2)
from reporting.linking import views as linking  # noqa: E402 - grouped with the routes it serves

urlpatterns += [
    path("links/", linking.LinkListView.as_view(), name="link-list"),
    path("links/<int:pk>/decide/", linking.LinkDecideView.as_view(), name="link-decide"),
]

# National context beside the figures (issue 22): profiles and notes on periods
from reporting.context import views as context  # noqa: E402 - grouped with the routes it serves

urlpatterns += [
    path("context/", context.ContextListView.as_view(), name="context-list"),
    path("context/profile/", context.ProfileFormView.as_view(), name="context-profile"),
    path("context/notes/new/", context.NoteFormView.as_view(), name="context-note-create"),
    path("context/notes/<int:pk>/", context.NoteFormView.as_view(), name="context-note-update"),
    path("context/notes/<int:pk>/withdraw/", context.NoteWithdrawView.as_view(), name="context-note-withdraw"),
]
