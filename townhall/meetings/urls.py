from django.urls import path

from townhall.meetings import views

app_name = "meetings"

urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/clerk/", views.clerk_home, name="clerk"),
    path("meetings/clerk/committees/new/", views.committee_new, name="committee_new"),
    path("meetings/clerk/new/", views.meeting_new, name="new"),
    path("meetings/<int:pk>/clerk/", views.meeting_manage, name="manage"),
    path("meetings/<int:pk>/clerk/agenda/", views.agenda_item_new, name="agenda_item_new"),
    path("meetings/<int:pk>/clerk/cancel/", views.meeting_cancel_view, name="cancel"),
    path("meetings/<int:pk>/clerk/outcome/", views.meeting_outcome, name="outcome"),
]
