// Photos from phones (issue 20, item 4): a picture chosen for a ledger form is shrunk in the
// browser before it is sent — longest side at most 1600 pixels, JPEG —
// so a 6 MB phone photo arrives as a few hundred KB. The time and place the phone recorded
// (the picture's EXIF block) are carried over into the smaller JPEG, with the orientation
// reset since the pixels are already turned upright; the server still checks the picture it
// receives and keeps that time and place as evidence (teams/photos.py). Whatever fails here
// leaves the original file for the server to judge.
(function () {
  "use strict";
  const MAX_SIDE = 1600;
  const QUALITY = 0.82;

  // The APP1 "Exif" segment of a JPEG (marker to end), or null.
  function exifSegment(buffer) {
    const view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    let offset = 2;
    while (offset + 8 <= view.byteLength) {
      const marker = view.getUint16(offset);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null;
      const length = view.getUint16(offset + 2);
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) {
        return new Uint8Array(buffer.slice(offset, offset + 2 + length));
      }
      offset += 2 + length;
    }
    return null;
  }

  // Orientation 1 (as stored) in the first directory of the EXIF segment.
  function upright(segment) {
    const view = new DataView(segment.buffer);
    const tiff = 10; // FFE1, its length, "Exif\0\0"
    const little = view.getUint16(tiff) === 0x4949;
    const directory = tiff + view.getUint32(tiff + 4, little);
    const entries = view.getUint16(directory, little);
    for (let index = 0; index < entries; index += 1) {
      const entry = directory + 2 + index * 12;
      if (view.getUint16(entry, little) === 0x0112) view.setUint16(entry + 8, 1, little);
    }
    return segment;
  }

  async function shrink(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const jpeg = await new Promise((done) => canvas.toBlob(done, "image/jpeg", QUALITY));
    let exif = null;
    try {
      exif = file.type === "image/jpeg" ? exifSegment(await file.arrayBuffer()) : null;
      if (exif) upright(exif);
    } catch (error) {
      exif = null; // an EXIF block this code cannot read: the pixels go without it
    }
    const parts = exif ? [jpeg.slice(0, 2), exif, jpeg.slice(2)] : [jpeg];
    const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
    return new File(parts, name, { type: "image/jpeg", lastModified: file.lastModified });
  }

  document.addEventListener("change", async (event) => {
    const input = event.target;
    if (!input.matches("input[type=file][accept*=image]") || !input.files.length) return;
    const chosen = [...input.files];
    const note = input.parentElement.querySelector(".photo-note") || document.createElement("p");
    note.className = "helptext photo-note";
    input.after(note);
    const buttons = input.form ? [...input.form.querySelectorAll("button[type=submit]")] : [];
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const smaller = await Promise.all(chosen.map(shrink));
      const transfer = new DataTransfer();
      smaller.forEach((file, index) => {
        transfer.items.add(file.size < chosen[index].size ? file : chosen[index]);
      });
      input.files = transfer.files;
      const before = chosen.reduce((sum, file) => sum + file.size, 0);
      const after = [...input.files].reduce((sum, file) => sum + file.size, 0);
      note.textContent = document.body.dataset.photoShrunk
        .replace("%(before)s", (before / 1048576).toFixed(1) + " MB")
        .replace("%(after)s", Math.round(after / 1024) + " KB");
    } catch (error) {
      note.textContent = "";
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });
})();
