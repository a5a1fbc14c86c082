from django.urls import path

from exitentry.payments import views

app_name = "payments"
urlpatterns = [
    path("orders/<str:number>/", views.order_page, name="order"),
    path("orders/<str:number>/pay/", views.pay, name="pay"),
    path("orders/<str:number>/result/", views.result, name="result"),
    path("orders/<str:number>/counter-payment/", views.counter_payment, name="counter_payment"),
    path("sandbox/<str:gateway>/", views.sandbox_cashier, name="sandbox_cashier"),
]
