// The drawn signature of the consent (R17): pointer events, so a finger, a pen or a mouse all
// draw. The drawing is kept as a PNG data URL in the hidden input named by data-input; a form
// shown again (a refused step) draws the kept signature back.
(() => {
  const canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  const input = document.getElementById(canvas.dataset.input);
  const context = canvas.getContext("2d");
  let drawing = false;
  let drawn = false;

  const fit = () => {
    // The canvas's pixels follow its on-screen width, so lines are not stretched.
    const kept = input.value;
    canvas.width = canvas.clientWidth;
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#10203a";
    if (kept) {
      const image = new Image();
      image.onload = () => context.drawImage(image, 0, 0, canvas.width, canvas.height);
      image.src = kept;
      drawn = true;
    }
  };

  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width),
            (event.clientY - box.top) * (canvas.height / box.height)];
  };

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    try {
      canvas.setPointerCapture(event.pointerId);  // keep the stroke when a finger strays
    } catch (error) {
      // Without capture the stroke ends at the edge of the box: still a signature.
    }
    drawing = true;
    const [x, y] = point(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x + 0.1, y + 0.1);
    context.stroke();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    event.preventDefault();
    const [x, y] = point(event);
    context.lineTo(x, y);
    context.stroke();
    drawn = true;
  });
  const stop = () => {
    if (!drawing) return;
    drawing = false;
    input.value = drawn ? canvas.toDataURL("image/png") : "";
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  document.getElementById("signature-clear").addEventListener("click", () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    input.value = "";
    drawn = false;
  });

  fit();
})();
