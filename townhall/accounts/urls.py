from django.contrib.auth import views as auth_views
from django.urls import path

from townhall.accounts import views
from townhall.accounts.forms import ThrottledLoginForm

app_name = "accounts"

urlpatterns = [
    path("", views.staff_home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=ThrottledLoginForm),
        name="login",
    ),
    path("email/", views.email, name="email"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
