from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("skolor/<int:pk>/", views.school_detail, name="school-detail"),
    path("klasser/<int:pk>/", views.class_detail, name="class-detail"),
    # "sok/" before the UUID pattern for readability; a UUID never matches "sok" anyway.
    path("elever/sok/", views.student_search, name="student-search"),
    path("elever/<uuid:public_id>/", views.student_detail, name="student-detail"),
]
