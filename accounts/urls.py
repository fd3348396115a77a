from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.TrackedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The console: users, roles and invitations (issue #8)
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:pk>/role/", views.UserRoleChangeView.as_view(), name="user-role"),
    path("users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.UserReactivateView.as_view(), name="user-reactivate"),
    path("invitations/", views.InvitationCreateView.as_view(), name="invitation-create"),
    path("invitations/<int:pk>/withdraw/", views.InvitationWithdrawView.as_view(), name="invitation-withdraw"),
    path("invitation/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("sessions/", views.SessionListView.as_view(), name="session-list"),
    path("sessions/<int:pk>/end/", views.SessionEndView.as_view(), name="session-end"),
    path("notifications/", views.NotificationPreferenceView.as_view(), name="notifications"),
    # Personal API tokens (issue #6)
    path("tokens/", token_views.ApiTokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", token_views.ApiTokenRevokeView.as_view(), name="token-revoke"),
]
