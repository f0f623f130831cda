"""The web app: public pages, the embed, the moderator dashboard and the JSON API."""
