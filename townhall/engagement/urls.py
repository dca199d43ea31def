from django.urls import path

from townhall.engagement import views

app_name = "engagement"

urlpatterns = [
    path("petitions/<int:pk>/updates/new/<str:token>/", views.update_new, name="update_new"),
    path("petitions/<int:pk>/contact/", views.contact, name="contact"),
    path("petitions/<int:pk>/contact/check-your-email/", views.contact_check_email, name="contact_check_email"),
    path("messages/<int:pk>/confirm/<str:token>/", views.message_confirm, name="message_confirm"),
    path("messages/<int:pk>/reply/<str:token>/", views.message_reply, name="message_reply"),
    path("messages/<int:pk>/report/<str:token>/", views.message_report, name="message_report"),
    path("moderation/updates/", views.update_queue, name="update_queue"),
    path("moderation/updates/<int:pk>/", views.update_detail, name="update_detail"),
    path("moderation/updates/<int:pk>/approve/", views.update_approve, name="update_approve"),
    path("moderation/updates/<int:pk>/reject/", views.update_reject, name="update_reject"),
    path("moderation/messages/", views.reported_messages, name="reported_messages"),
]
