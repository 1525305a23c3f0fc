import json

from selgan.train.warmup import main


def test_warmup_runs_checkpoints_and_resumes(camvid, tmp_path):
    out = tmp_path / "run"
    common = ["--data", str(camvid), "--out", str(out), "--batch", "2", "--crop", "64", "--threads", "1",
              "--eval-every", "2", "--no-bf16"]
    main(common + ["--steps", "2"])
    assert (out / "checkpoint.pt").is_file()
    main(common + ["--steps", "3"])
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    evals = [r for r in records if "val_psnr" in r]
    assert [r["step"] for r in evals] == [2]
    assert all(r["mse"] > 0 and r["latent_bpp_est"] > 0 for r in records)
