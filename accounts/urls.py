from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import second_factor_views, token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.TrackedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Account recovery (issue 19): Django's reset by e-mail, and a signed-in user's password change
    path("password-reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetChooseView.as_view(), name="password-reset-confirm"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    # Two-factor sign-in (issue #9); SecondFactorMiddleware lets unconfirmed sessions reach only these.
    path("two-factor/", second_factor_views.SecondFactorOverviewView.as_view(), name="otp-overview"),
    path("two-factor/setup/", second_factor_views.SecondFactorSetupView.as_view(), name="otp-setup"),
    path("two-factor/verify/", second_factor_views.SecondFactorVerifyView.as_view(), name="otp-verify"),
    path("two-factor/recovery-codes/", second_factor_views.RecoveryCodesRenewView.as_view(), name="otp-recovery"),
    path("two-factor/remove/", second_factor_views.SecondFactorRemoveView.as_view(), name="otp-remove"),
    # The console: users, roles and invitations (issue #8)
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:pk>/role/", views.UserRoleChangeView.as_view(), name="user-role"),
    path("users/<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.UserReactivateView.as_view(), name="user-reactivate"),
    path("invitations/", views.InvitationCreateView.as_view(), name="invitation-create"),
    path("invitations/<int:pk>/resend/", views.InvitationResendView.as_view(), name="invitation-resend"),
    path("users/<int:pk>/password-reset/", views.UserPasswordResetView.as_view(), name="user-password-reset"),
    path("invitations/<int:pk>/withdraw/", views.InvitationWithdrawView.as_view(), name="invitation-withdraw"),
    path("invitation/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("sessions/", views.SessionListView.as_view(), name="session-list"),
    path("sessions/<int:pk>/end/", views.SessionEndView.as_view(), name="session-end"),
    path("notifications/", views.NotificationPreferenceView.as_view(), name="notifications"),
    # Personal API tokens (issue #6)
    path("tokens/", token_views.ApiTokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", token_views.ApiTokenRevokeView.as_view(), name="token-revoke"),
]
