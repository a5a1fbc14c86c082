from django.contrib.auth import views as auth_views
from django.urls import path

from exitentry.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_otp, name="login_otp"),
    path("me/authenticator/", views.totp_setup, name="totp_setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile, name="profile"),
]
