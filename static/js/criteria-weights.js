// Shows the running total while a selection's criteria weights are typed;
// the server checks it again on save.
(function () {
  const total = document.getElementById("weight-total");
  if (!total) return;
  function update() {
    let sum = 0;
    document.querySelectorAll(".js-weight").forEach(function (input) {
      const row = input.closest("li");
      const remove = row.querySelector(".js-delete");
      if (remove && remove.checked) return;
      sum += parseFloat(input.value) || 0;
    });
    total.textContent = Math.round(sum * 100) / 100;
    total.classList.toggle("text-danger", Math.abs(sum - 100) > 0.001);
  }
  document.addEventListener("input", update);
  document.addEventListener("change", update);
  update();
})();
