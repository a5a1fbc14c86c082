// "Use my location": fills latitude and longitude from the browser and submits the search.
// Without JavaScript the button stays hidden and the fields can be typed in.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("use-my-location");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.getElementById("location-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting || "…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("id_lat").value = position.coords.latitude.toFixed(5);
        document.getElementById("id_lon").value = position.coords.longitude.toFixed(5);
        button.form.submit();
      },
      function () {
        status.textContent = button.dataset.failed || "";
      },
      { timeout: 10000, maximumAge: 300000 }
    );
  });
});
